using System.Management.Automation;
using NetProc.Engine;
using NetProc.Engine.Serial;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>serial-process-configure</c>: changes the line settings of serial processes. Only the settings given
/// change; the others keep their current values.
/// </summary>
[Cmdlet(VerbsCommon.Set, "SerialProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(SerialProcess))]
public sealed class SetSerialProcessCommand : ProcessSelectionCmdlet
{
    /// <summary>The new speed in bits per second; omitted, the speed stays.</summary>
    [Parameter]
    [Alias("BaudRate")]
    public int? Speed { get; set; }

    /// <summary>The new number of data bits (8 or 7; 5 and 6 where the device carries them); omitted, it stays.</summary>
    [Parameter]
    [Alias("ByteSize")]
    public int? DataBits { get; set; }

    /// <summary>The new parity: None, Even or Odd; omitted, it stays.</summary>
    [Parameter]
    public SerialParity? Parity { get; set; }

    /// <summary>The new number of stop bits: 1 or 2; omitted, it stays.</summary>
    [Parameter]
    public SerialStopBits? StopBits { get; set; }

    /// <summary>The new flow control: None, Hardware (RTS/CTS) or Software (XON/XOFF); omitted, it stays.</summary>
    [Parameter]
    public SerialFlowControl? FlowControl { get; set; }

    /// <summary>Writes each serial process down the pipeline after changing it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var process in SelectProcesses())
        {
            if (process is not SerialProcess serial)
            {
                WriteError(new NetProcException(
                    NetProcError.NotASerialProcess,
                    $"Process {process.Name} is not a serial process: Set-SerialProcess changes the line settings of processes made with New-SerialProcess.",
                    process));
                continue;
            }

            if (ShouldProcess(serial.Name, $"Set line settings (now {serial.Summary})"))
            {
                try
                {
                    serial.Configure(Speed, DataBits, Parity, StopBits, FlowControl);
                    WriteVerbose(serial.Summary.Length == 0
                        ? $"{serial.Name} was opened with -NoConfigure: its line settings stay as they are."
                        : $"{serial.Name} is now {serial.Summary}.");
                }
                catch (NetProcException e)
                {
                    WriteError(e);
                    continue;
                }
            }

            if (PassThru)
            {
                WriteObject(serial);
            }
        }
    }
}
