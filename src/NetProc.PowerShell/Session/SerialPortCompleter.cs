using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetProc.Engine.Serial;

namespace NetProc.Session;

/// <summary>
/// Tab completion for a serial port: the ports present (Get-SerialPortName), then, once the word looks like a path,
/// the files and folders it leads to, so that a pty link such as /tmp/x/A completes too.
/// </summary>
public sealed class SerialPortCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = wordToComplete.Trim('\'', '"');
        var present = SerialPortNames.Present()
            .Where(name => name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Select(name => Result(name, "serial port"));
        return present.Concat(Paths(typed).Select(path => Result(path, Directory.Exists(path) ? "folder" : "file")))
            .DistinctBy(result => result.CompletionText);
    }

    // Entries of the folder the typed path is in that start with its last part; folders end in a separator so the
    // next Tab goes on into them.
    private static IEnumerable<string> Paths(string typed)
    {
        if (typed.IndexOfAny(['/', '\\']) < 0 && !typed.StartsWith('.'))
        {
            return Array.Empty<string>();
        }

        bool intoFolder = typed.EndsWith('/') || typed.EndsWith(Path.DirectorySeparatorChar);
        string folder = intoFolder ? typed : Path.GetDirectoryName(typed) is { Length: > 0 } parent ? parent : ".";
        string start = intoFolder ? "" : Path.GetFileName(typed);
        try
        {
            return Directory.Exists(folder)
                ? Directory.GetFileSystemEntries(folder, start + "*")
                    .Select(entry => Directory.Exists(entry) ? entry + Path.DirectorySeparatorChar : entry)
                    .OrderBy(entry => entry, StringComparer.Ordinal)
                : Array.Empty<string>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    private static CompletionResult Result(string path, string what) =>
        new(ProcessNameCompleter.Quote(path), path, CompletionResultType.ParameterValue, $"{path} ({what})");
}
