using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Invoicing.Apps;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false, Converters = [typeof(UtcTimeConverter), typeof(NullableUtcTimeConverter)])]
[JsonSerializable(typeof(InstalledApp))]
[JsonSerializable(typeof(AppView))]
[JsonSerializable(typeof(PaginatedResponse<AppView>))]
[JsonSerializable(typeof(AppReplaceUpdate))]
[JsonSerializable(typeof(MarketplaceListing))]
[JsonSerializable(typeof(PaginatedResponse<MarketplaceListing>))]
[JsonSerializable(typeof(MarketplaceInstallRequest))]
[JsonSerializable(typeof(MarketplaceInstallResponse))]
internal sealed partial class AppJson : JsonSerializerContext;
