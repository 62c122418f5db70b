using System.Management.Automation;

namespace NetProc.Session;

/// <summary>Closes the runspace's processes when <c>Remove-Module NetProc</c> runs.</summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => ProcessSession.Current?.Shutdown();
}
