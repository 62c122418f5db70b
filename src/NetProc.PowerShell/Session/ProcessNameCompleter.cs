using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace NetProc.Session;

/// <summary>Tab completion for process names, from the calling runspace's table.</summary>
public sealed class ProcessNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(WildcardPattern.Escape(typed) + "*", WildcardOptions.IgnoreCase);
        return (ProcessSession.Current?.Table.Processes ?? Array.Empty<Engine.ProcessObject>())
            .Where(p => pattern.IsMatch(p.Name))
            .Select(p => new CompletionResult(Quote(p.Name), p.Name, CompletionResultType.ParameterValue, $"{p.Kind} {p.Status}"));
    }

    internal static string Quote(string name) =>
        name.Any(c => char.IsWhiteSpace(c) || "<>'\"`$(){}[],;&|@#".Contains(c)) ? $"'{name.Replace("'", "''")}'" : name;
}
