using System.Management.Automation;

namespace NetProc.Session;

/// <summary>
/// Calls a user's ScriptBlock that answers a question with text (Open-NetworkStream's -CapabilityCommand given the
/// greeting, -StartTlsCommand given the capabilities), as the bridge calls every script.
/// </summary>
internal static class ScriptAnswers
{
    /// <summary>What <paramref name="block"/> returns for <paramref name="argument"/>, as one string; null when it returns nothing or $null.</summary>
    public static string? Ask(ScriptBlock block, object? argument)
    {
        var answers = block.Invoke(argument).Where(a => a?.BaseObject is not null).Select(a => a.BaseObject.ToString()).ToList();
        return answers.Count == 0 ? null : string.Concat(answers);
    }
}
