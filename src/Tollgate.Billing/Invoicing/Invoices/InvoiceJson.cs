using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Invoicing.Invoices;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = false, AllowOutOfOrderMetadataProperties = true, Converters = [typeof(UtcTimeConverter), typeof(NullableUtcTimeConverter)])]
[JsonSerializable(typeof(Invoice))]
[JsonSerializable(typeof(InvoiceNumberSequence))]
[JsonSerializable(typeof(List<Invoice>))]
[JsonSerializable(typeof(PendingLinesInput))]
[JsonSerializable(typeof(PendingLinesResult))]
[JsonSerializable(typeof(InvoiceNowInput))]
[JsonSerializable(typeof(SimulationInput))]
[JsonSerializable(typeof(DraftSynchronizedInput))]
[JsonSerializable(typeof(IssuingSynchronizedInput))]
[JsonSerializable(typeof(PaymentStatusInput))]
[JsonSerializable(typeof(PaginatedResponse<Invoice>))]
internal sealed partial class InvoiceJson : JsonSerializerContext;
