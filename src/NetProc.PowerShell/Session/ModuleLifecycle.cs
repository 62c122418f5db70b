using System.Management.Automation;

namespace NetProc.Session;

/// <summary>
/// Points System.IO.Ports at the host's copy on import; closes the runspace's processes when <c>Remove-Module NetProc</c>
/// runs.
/// </summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => SerialPortsLoader.Install();

    public void OnRemove(PSModuleInfo psModuleInfo) => ProcessSession.Current?.Shutdown();
}
