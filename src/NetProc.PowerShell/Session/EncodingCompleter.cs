using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace NetProc.Session;

/// <summary>Tab completion for <c>-Encoding</c>.</summary>
public sealed class EncodingCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        EncodingArgumentAttribute.Names
            .Where(n => n.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n));
}
