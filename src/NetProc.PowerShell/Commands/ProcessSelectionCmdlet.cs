using System.Management.Automation;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>
/// Cmdlets that act on existing processes, selected like jobs: <c>-Name</c> (wildcards), <c>-Id</c>, or process
/// objects from the pipeline. An exact name or Id that matches nothing is an error; a wildcard that matches nothing is not.
/// </summary>
public abstract class ProcessSelectionCmdlet : NetProcCmdlet
{
    /// <summary>Only this module's cmdlets derive from it.</summary>
    private protected ProcessSelectionCmdlet()
    {
    }

    private protected const string ByName = "Name";
    private protected const string ById = "Id";
    private protected const string ByObject = "InputObject";

    /// <summary>
    /// The names of the processes to act on, as Get-NetworkProcess lists them. Wildcards are allowed (<c>web*</c>);
    /// the exact name always selects, brackets and all (<c>'srv &lt;[::1]:41474&gt;'</c>). An exact name that matches
    /// nothing is a ProcessNotFound error; a pattern that matches nothing is silent. Tab completion offers the
    /// session's names. Omitted: every process for Get-NetworkProcess and Wait-NetworkProcess; the other cmdlets
    /// need a process named.
    /// </summary>
    [Parameter(ParameterSetName = ByName, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    [SupportsWildcards]
    public virtual string[]? Name { get; set; }

    /// <summary>
    /// The Ids of the processes to act on (the small numbers Get-NetworkProcess shows in its Id column). An Id that
    /// matches nothing is a ProcessNotFound error.
    /// </summary>
    [Parameter(ParameterSetName = ById, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public virtual int[]? Id { get; set; }

    /// <summary>
    /// Process objects to act on, as New-NetworkProcess and Get-NetworkProcess return them; usually piped in. An
    /// object still works after its process closed.
    /// </summary>
    [Parameter(ParameterSetName = ByObject, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public virtual ProcessObject[]? InputObject { get; set; }

    /// <summary>Whether naming no process means every process (true for queries) or is an error (for actions).</summary>
    private protected virtual bool SelectsAllByDefault => false;

    /// <summary>The selected processes, once each, writing a non-terminating error for each name or Id that matches nothing.</summary>
    private protected IReadOnlyList<ProcessObject> SelectProcesses()
    {
        var selected = new List<ProcessObject>();
        void Add(ProcessObject p)
        {
            if (!selected.Contains(p))
            {
                selected.Add(p);
            }
        }

        switch (ParameterSetName)
        {
            case ByObject:
                foreach (var p in InputObject!)
                {
                    Add(p);
                }

                break;
            case ById:
                foreach (int id in Id!)
                {
                    if (Session.Table.FindById(id) is { } p)
                    {
                        Add(p);
                    }
                    else
                    {
                        WriteError(ErrorRecords.NotFound($"No process has Id {id}.{Forgotten(Session.Table.FindForgotten(null, id))}", id));
                    }
                }

                break;
            default:
                if (Name is null)
                {
                    if (!SelectsAllByDefault)
                    {
                        ThrowTerminating(new NetProcException(
                            NetProcError.ProcessRequired, "Name the process: give -Name, -Id, or pipe process objects in."));
                    }

                    foreach (var p in Session.Table.Processes)
                    {
                        Add(p);
                    }

                    break;
                }

                foreach (string name in Name)
                {
                    // The name as it is first: every IPv6 connection's name holds brackets ("srv <[::1]:PORT>").
                    if (Session.Table.FindByName(name) is { } exact)
                    {
                        Add(exact);
                    }
                    else if (WildcardPattern.ContainsWildcardCharacters(name))
                    {
                        foreach (var p in Matching(name))
                        {
                            Add(p);
                        }
                    }
                    else if (Session.Table.FindByName(WildcardPattern.Unescape(name)) is { } escaped)
                    {
                        Add(escaped);
                    }
                    else
                    {
                        WriteError(ErrorRecords.NotFound(
                            $"No process is named '{name}'.{Forgotten(Session.Table.FindForgotten(WildcardPattern.Unescape(name)))}", name));
                    }
                }

                break;
        }

        return selected;
    }

    /// <summary>
    /// Explains a name or Id that finds nothing because its process left the list: closed processes leave once their
    /// output is read (Emacs's <c>delete-exited-processes</c>), and the object stays usable.
    /// </summary>
    private static string Forgotten(ForgottenProcess? gone) => gone is null ? string.Empty
        : $" Process '{gone.Name}' (Id {gone.Id}) {gone.How} at {gone.At.ToLocalTime():HH:mm:ss} and left the list"
            + (gone.How == "was removed" ? "." : ", as a closed process does once its output is read (Emacs's delete-exited-processes).")
            + " A variable that holds it still works: give it to -InputObject (Get-ProcessStatus, Format-List shows its"
            + " counters and LastError).";

    /// <summary>The processes a wildcard pattern matches; a malformed pattern (<c>a[</c>) is an error that matches none.</summary>
    private IEnumerable<ProcessObject> Matching(string name)
    {
        var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
        try
        {
            // A pattern is parsed at its first match: try it now, so it is refused even when no process is listed.
            _ = pattern.IsMatch(string.Empty);
        }
        catch (WildcardPatternException e)
        {
            WriteError(ErrorRecords.From(new NetProcException(
                NetProcError.InvalidWildcard,
                $"'{name}' is not a valid wildcard pattern. To match [, ], * or ? literally, put a backtick before each "
                + "(as [WildcardPattern]::Escape does), or select the process with -Id.",
                name,
                e)));
            return Array.Empty<ProcessObject>();
        }

        return Session.Table.Processes.Where(p => pattern.IsMatch(p.Name));
    }
}
