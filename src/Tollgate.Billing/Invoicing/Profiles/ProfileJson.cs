using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Invoicing.Profiles;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false, AllowOutOfOrderMetadataProperties = true, Converters = [typeof(UtcTimeConverter), typeof(NullableUtcTimeConverter)])]
[JsonSerializable(typeof(BillingProfile))]
internal sealed partial class ProfileJson : JsonSerializerContext;
