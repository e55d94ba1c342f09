using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Tollgate.Gateway.Declarative;

/// <summary>
/// Checks a YAML text's shape from the parser's events before it is loaded into nodes, so that a hostile or broken
/// file cannot exhaust the stack or memory: the loader and the reader recurse into nested nodes, and an alias is a
/// pointer to another node, so a few lines of aliases can stand for billions of nodes or for a node inside itself.
/// </summary>
internal static class YamlDocumentLimits
{
    /// <summary>Deeper than any decK file, deep enough for any plugin config.</summary>
    public const int MaxDepth = 64;

    /// <summary>How many nodes aliases may add on top of the nodes written out (a file's own size is never refused).</summary>
    public const long MaxNodesAddedByAliases = 1_000_000;

    /// <summary>The first problem found, with its place, or null when the text is within the limits.</summary>
    /// <exception cref="YamlException">The text is not valid YAML.</exception>
    public static (Mark Start, string Message)? Check(string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, (long Nodes, int Height)>(StringComparer.Ordinal);
        var open = new Stack<Frame>();
        var root = new Frame(null);
        long writtenNodes = 0;
        while (parser.MoveNext())
        {
            var inner = open.Count == 0 ? root : open.Peek();
            switch (parser.Current)
            {
                case Scalar scalar:
                    writtenNodes++;
                    inner.Add(1, 0);
                    if (!scalar.Anchor.IsEmpty)
                    {
                        anchors[scalar.Anchor.Value] = (1, 0);
                    }

                    break;
                case NodeEvent start and (MappingStart or SequenceStart):
                    writtenNodes++;
                    if (open.Count >= MaxDepth)
                    {
                        return (start.Start, $"nesting deeper than {MaxDepth} levels");
                    }

                    open.Push(new Frame(start.Anchor.IsEmpty ? null : start.Anchor.Value));
                    break;
                case MappingEnd or SequenceEnd:
                    var done = open.Pop();
                    var (nodes, height) = (done.Nodes + 1, done.Height + 1);
                    (open.Count == 0 ? root : open.Peek()).Add(nodes, height);
                    if (done.Anchor is { } name)
                    {
                        anchors[name] = (nodes, height);
                    }

                    break;
                case AnchorAlias alias:
                    var target = alias.Value.Value;
                    if (open.Any(frame => string.Equals(frame.Anchor, target, StringComparison.Ordinal)))
                    {
                        return (alias.Start, $"the alias *{target} refers to a node that contains it");
                    }

                    if (!anchors.TryGetValue(target, out var anchored))
                    {
                        return (alias.Start, $"the alias *{target} refers to no anchor defined before it");
                    }

                    if (open.Count + anchored.Height > MaxDepth)
                    {
                        return (alias.Start, $"nesting deeper than {MaxDepth} levels (through the alias *{target})");
                    }

                    inner.Add(anchored.Nodes, anchored.Height);

                    break;
            }

            // Open collections are counted once each: they were written, and their content is in their frames.
            var expandedNodes = root.Nodes + open.Count + open.Sum(frame => frame.Nodes);
            if (expandedNodes - writtenNodes > MaxNodesAddedByAliases)
            {
                return (parser.Current!.Start, "aliases expand the document by more than a million nodes");
            }
        }

        return null;
    }

    private sealed class Frame(string? anchor)
    {
        public string? Anchor { get; } = anchor;

        public long Nodes { get; private set; }

        public int Height { get; private set; }

        public void Add(long nodes, int height)
        {
            Nodes += nodes;
            Height = Math.Max(Height, height);
        }
    }
}
