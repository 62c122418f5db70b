using System.Management.Automation;

namespace NetProc.Session;

/// <summary>
/// Binds the object itself rather than PowerShell's wrapper of it, so an <c>[object]</c> parameter sees the int, string,
/// byte[] or EndPoint the user gave, however it arrived (a variable, the pipeline, Join-Path).
/// </summary>
internal sealed class UnwrapArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
        inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
}
