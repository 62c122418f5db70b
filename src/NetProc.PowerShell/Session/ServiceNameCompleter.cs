using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace NetProc.Session;

/// <summary>
/// Tab completion for <c>-Service</c>: names from the services file, TCP ones for streams and UDP ones once
/// <c>-SocketType Datagram</c> is given. Nothing for <c>-Family Local</c>, whose service is a path: PowerShell then
/// completes file names.
/// </summary>
public sealed class ServiceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (IsBound(fakeBoundParameters, "Family", nameof(Engine.ProcessFamily.Local)))
        {
            return Array.Empty<CompletionResult>();
        }

        var protocol = IsBound(fakeBoundParameters, "SocketType", nameof(Engine.ProcessSocketType.Datagram))
            ? Engine.ProcessSocketType.Datagram
            : Engine.ProcessSocketType.Stream;
        string typed = wordToComplete.Trim('\'', '"');
        string proto = protocol == Engine.ProcessSocketType.Datagram ? "udp" : "tcp";
        return Engine.ServiceNames.NamesFor(protocol)
            .Where(s => s.Key.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .OrderBy(s => s.Key, StringComparer.OrdinalIgnoreCase)
            .Select(s => new CompletionResult(s.Key, s.Key, CompletionResultType.ParameterValue, $"{s.Value}/{proto}"));
    }

    private static bool IsBound(IDictionary bound, string parameter, string value) =>
        bound[parameter] is { } given && string.Equals(given.ToString(), value, StringComparison.OrdinalIgnoreCase);
}
