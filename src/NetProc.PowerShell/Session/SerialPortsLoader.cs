using System.Reflection;
using System.Runtime.Loader;

namespace NetProc.Session;

/// <summary>
/// Sends every load of System.IO.Ports to the copy the host pwsh ships. The module is compiled against one version of
/// it and ships none; a host whose copy is older than that (pwsh 7.4 carries 8.0) would otherwise fail to bind it.
/// </summary>
internal static class SerialPortsLoader
{
    private const string PortsAssembly = "System.IO.Ports";
    private static int installed;

    /// <summary>Installs the redirect once per process; the default load context outlives any module import.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += ResolveHostCopy;
        }
    }

    // Runs only when the default context could not bind the requested version on its own.
    private static Assembly? ResolveHostCopy(AssemblyLoadContext context, AssemblyName requested)
    {
        if (!string.Equals(requested.Name, PortsAssembly, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var loaded = context.Assemblies.FirstOrDefault(a => a.GetName().Name == PortsAssembly);
        if (loaded is not null)
        {
            return loaded;
        }

        string? hostCopy = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string)?
            .Split(Path.PathSeparator)
            .FirstOrDefault(path => string.Equals(Path.GetFileNameWithoutExtension(path), PortsAssembly, StringComparison.OrdinalIgnoreCase));
        return hostCopy is null ? null : context.LoadFromAssemblyPath(hostCopy);
    }
}
