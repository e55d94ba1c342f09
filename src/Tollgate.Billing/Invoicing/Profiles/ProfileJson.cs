using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Invoicing.Profiles;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false, AllowOutOfOrderMetadataProperties = true, Converters = [typeof(UtcTimeConverter), typeof(NullableUtcTimeConverter)])]
[JsonSerializable(typeof(BillingProfile))]
[JsonSerializable(typeof(ExpandedBillingProfile))]
[JsonSerializable(typeof(PaginatedResponse<BillingProfile>))]
[JsonSerializable(typeof(PaginatedResponse<ExpandedBillingProfile>))]
[JsonSerializable(typeof(BillingProfileCreate))]
[JsonSerializable(typeof(BillingProfileReplaceUpdate))]
[JsonSerializable(typeof(CustomerOverride))]
[JsonSerializable(typeof(CustomerOverrideInputs))]
[JsonSerializable(typeof(CustomerOverrideDetails<BillingProfileAppReferences>))]
[JsonSerializable(typeof(CustomerOverrideDetails<BillingProfileApps>))]
[JsonSerializable(typeof(PaginatedResponse<CustomerOverrideDetails<BillingProfileAppReferences>>))]
[JsonSerializable(typeof(PaginatedResponse<CustomerOverrideDetails<BillingProfileApps>>))]
internal sealed partial class ProfileJson : JsonSerializerContext;
