using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tollgate.Billing.Storage;

/// <summary>A billing document: anything stored as one JSON row under its kind and id.</summary>
public interface IBillingDocument
{
    string Id { get; }
}

/// <summary>A kind of document as the store sees it: a name and how to read and write its body.</summary>
public interface IDocumentKind
{
    /// <summary>The <c>kind</c> column; never renamed once shipped.</summary>
    string Name { get; }

    IBillingDocument Deserialize(string body);

    string Serialize(IBillingDocument document);
}

/// <summary>A kind of document of type <typeparamref name="T"/>, with its source-generated JSON contract.</summary>
public sealed class DocumentKind<T>(string name, JsonTypeInfo<T> json) : IDocumentKind
    where T : class, IBillingDocument
{
    public string Name { get; } = name;

    public IBillingDocument Deserialize(string body) =>
        JsonSerializer.Deserialize(body, json) ?? throw new InvalidDataException($"a stored {Name} document is empty");

    public string Serialize(IBillingDocument document) => JsonSerializer.Serialize((T)document, json);

    public override string ToString() => Name;
}
