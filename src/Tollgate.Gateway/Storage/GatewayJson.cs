using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Storage;

/// <summary>How entities are written in the store: Kong's field names (snake case), nulls kept.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(Route))]
[JsonSerializable(typeof(Consumer))]
[JsonSerializable(typeof(KeyAuthCredential))]
[JsonSerializable(typeof(ConsumerGroup))]
[JsonSerializable(typeof(Plugin))]
internal sealed partial class GatewayJson : JsonSerializerContext;
