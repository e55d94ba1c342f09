using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Entitlements;

// Quantities are JSON numbers here (OpenMeter's entitlement schemas say number/double), written from decimals exactly.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false, Converters = [typeof(UtcTimeConverter), typeof(NullableUtcTimeConverter)])]
[JsonSerializable(typeof(Entitlement))]
[JsonSerializable(typeof(Grant))]
[JsonSerializable(typeof(EntitlementCreateInputs))]
[JsonSerializable(typeof(GrantCreateInput))]
[JsonSerializable(typeof(ResetEntitlementUsageInput))]
[JsonSerializable(typeof(EntitlementView))]
[JsonSerializable(typeof(List<EntitlementView>))]
[JsonSerializable(typeof(PaginatedResponse<EntitlementView>))]
[JsonSerializable(typeof(List<Grant>))]
[JsonSerializable(typeof(PaginatedResponse<Grant>))]
[JsonSerializable(typeof(EntitlementValue))]
[JsonSerializable(typeof(CustomerAccess))]
[JsonSerializable(typeof(WindowedBalanceHistory))]
internal sealed partial class EntitlementJson : JsonSerializerContext;
