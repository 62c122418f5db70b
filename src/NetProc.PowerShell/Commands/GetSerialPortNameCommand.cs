using System.Management.Automation;
using NetProc.Engine.Serial;

namespace NetProc.Commands;

/// <summary>Lists the serial ports present, for New-SerialProcess -Port.</summary>
[Cmdlet(VerbsCommon.Get, "SerialPortName")]
[OutputType(typeof(string))]
public sealed class GetSerialPortNameCommand : PSCmdlet
{
    protected override void EndProcessing() => WriteObject(SerialPortNames.Present(), enumerateCollection: true);
}
