namespace Tollgate.Gateway.Ai;

/// <summary>What is wrong with one field of a plugin config; <see cref="Field"/> is a dotted path such as <c>config.model.provider</c>.</summary>
internal sealed record ConfigFieldError(string Field, string Message);
