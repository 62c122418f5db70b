<#
.SYNOPSIS
    Benchmark 7: UDP datagrams received and delivered per second, 64-byte payloads, 500,000 sent (-Quick: 100,000).
.DESCRIPTION
    A C# sender thread in this process (NetProcBench.UdpBlaster) sends N datagrams to 127.0.0.1, first as fast as the
    socket takes them. Receivers, each after a warm-up of 20,000 datagrams:
      NetProc (a)  a datagram server read with @(Receive-NetworkProcess -Wait -Timeout 0.2 -AsByteStream) in a loop,
                   counting datagrams
      NetProc (b)  a datagram server with a filter counting calls, driven by Wait-NetworkProcess -Timeout 0.2 in a loop
      raw C#       a plain Socket.ReceiveFrom loop in C# on the pipeline thread: the baseline
    Then paced at 100,000/s (N datagrams) and at 25,000/s (4 s of datagrams; -Quick: 2 s), reporting the loss.
    All use the kernel's default receive buffer. A receiver stops once the sender has finished and nothing came for
    0.2 s (0.3 s raw). Delivered/s = datagrams delivered / (last delivery - first send). Loss = 1 - delivered/sent;
    the drops are split into the kernel's (RcvbufErrors in /proc/net/snmp, namespace-wide) and NetProc's own
    (DroppedDatagrams: the process already held its 1 MiB receive window).
    Target: NetProc (a) delivered/s >= 50% of raw C#'s, as fast as the sender can.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath,
    [double] $PacedRate = 100000,
    # A second, gentler pace, run for 4 s (-Quick: 2 s) of datagrams.
    [double] $SlowRate = 25000
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if (-not ('NetProcBench.UdpBlaster' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'BenchServerPeers.cs') }

$count = if ($Quick) { 100000 } else { 500000 }
$size = 64
$warmup = 20000
$slowCount = [int]($SlowRate * $(if ($Quick) { 2 } else { 4 }))
$freq = [System.Diagnostics.Stopwatch]::Frequency

function Start-Sender([int] $Port, [int] $N, [double] $Rate) {
    $s = [NetProcBench.UdpBlaster]::new($Port, $N, $size, $Rate)
    $s.Start()
    $s
}

function Complete-Run($Sender, [long] $Delivered, [long] $Last, [long] $Dropped, [long] $Kernel0) {
    $null = $Sender.Wait(60000)
    if ($Sender.Error) { throw "sender: $($Sender.Error)" }
    $kernel = [NetProcBench.UdpCounters]::ReceiveBufferErrors()
    @{
        Sent = $Sender.Sent; Delivered = $Delivered; SendSeconds = $Sender.Seconds
        Seconds = ($Last - $Sender.StartTimestamp) / $freq
        WindowDrops = $Dropped; KernelDrops = if ($Kernel0 -ge 0) { $kernel - $Kernel0 } else { -1 }
    }
}

$script:Variants = [ordered]@{
    'raw C#' = {
        param([int] $N, [double] $Rate)
        $s = [System.Net.Sockets.Socket]::new('InterNetwork', 'Dgram', 'Udp')
        try {
            $s.Bind([System.Net.IPEndPoint]::new([ipaddress]::Loopback, 0))
            $k0 = [NetProcBench.UdpCounters]::ReceiveBufferErrors()
            $sender = Start-Sender $s.LocalEndPoint.Port $N $Rate
            $r = [NetProcBench.RawDatagramReceiver]::Run($s, $sender, 300)
            Complete-Run $sender $r[0] $r[1] 0 $k0
        }
        finally { $s.Dispose() }
    }
    'NetProc (a)' = {
        param([int] $N, [double] $Rate)
        $u = New-NetworkProcess -Name u -SocketType Datagram -Server -Service 0 -Encoding Byte
        try {
            $k0 = [NetProcBench.UdpCounters]::ReceiveBufferErrors()
            $sender = Start-Sender $u.Service $N $Rate
            $n = [long]0
            $last = [System.Diagnostics.Stopwatch]::GetTimestamp()
            while ($true) {
                $r = @(Receive-NetworkProcess -InputObject $u -Wait -Timeout 0.2 -AsByteStream)
                if ($r.Count) {
                    $n += $r.Count
                    $last = [System.Diagnostics.Stopwatch]::GetTimestamp()
                }
                elseif ($sender.Finished) { break }
            }
            Complete-Run $sender $n $last $u.DroppedDatagrams $k0
        }
        finally { Remove-NetworkProcess -InputObject $u }
    }
    'NetProc (b)' = {
        param([int] $N, [double] $Rate)
        $script:calls = [long]0
        $u = New-NetworkProcess -Name uf -SocketType Datagram -Server -Service 0 -Encoding Byte -Filter { param($Process, $Data) $script:calls++ }
        try {
            $k0 = [NetProcBench.UdpCounters]::ReceiveBufferErrors()
            $sender = Start-Sender $u.Service $N $Rate
            $last = [System.Diagnostics.Stopwatch]::GetTimestamp()
            while ($true) {
                if (Wait-NetworkProcess -InputObject $u -Timeout 0.2) { $last = [System.Diagnostics.Stopwatch]::GetTimestamp() }
                elseif ($sender.Finished) { break }
            }
            Complete-Run $sender $script:calls $last $u.DroppedDatagrams $k0
        }
        finally { Remove-NetworkProcess -InputObject $u }
    }
}

foreach ($v in $script:Variants.Keys) { $null = & $script:Variants[$v] $warmup 0 }
$runs = [ordered]@{}
$modes = 'unpaced', 'paced', 'slow'
foreach ($mode in $modes) {
    $rate = switch ($mode) { 'paced' { $PacedRate } 'slow' { $SlowRate } default { 0 } }
    $n = if ($mode -eq 'slow') { $slowCount } else { $count }
    foreach ($v in $script:Variants.Keys) {
        [GC]::Collect()
        $runs["$mode|$v"] = & $script:Variants[$v] $n $rate
    }
}

Write-Host ''
Write-Host ("Datagram rate: {0:N0} datagrams of {1} bytes to 127.0.0.1 from a C# sender thread ({2:N0} at {3:N0}/s); kernel default receive buffer" -f `
    $count, $size, $slowCount, $SlowRate)
Write-Host ('{0,-8} {1,-12} {2,12} {3,11} {4,12} {5,12} {6,8} {7,12} {8,12}' -f 'sender', 'receiver', 'sent/s', 'delivered',
    'delivered/s', 'vs raw', 'loss', 'kernel drops', 'window drops')
foreach ($mode in $modes) {
    $raw = $runs["$mode|raw C#"]
    foreach ($v in $script:Variants.Keys) {
        $x = $runs["$mode|$v"]
        $x.Rate = $x.Delivered / $x.Seconds
        $x.Loss = 1 - $x.Delivered / [math]::Max($x.Sent, 1)
        $rawRate = $raw.Delivered / $raw.Seconds
        $label = switch ($mode) { 'paced' { '{0:N0}/s' -f $PacedRate } 'slow' { '{0:N0}/s' -f $SlowRate } default { 'max' } }
        Write-Host ('{0,-8} {1,-12} {2,12} {3,11} {4,12} {5,12} {6,8} {7,12} {8,12}' -f $label, $v, (Format-Num ($x.Sent / $x.SendSeconds) 'N0'),
            $x.Delivered, (Format-Num $x.Rate 'N0'), (Format-Num ($x.Rate / $rawRate) 'P0'), (Format-Num $x.Loss 'P1'), $x.KernelDrops, $x.WindowDrops)
    }
}
Write-Host "(kernel drops: RcvbufErrors over the run, namespace-wide; window drops: NetProc's DroppedDatagrams)"

$label = '{0:N0}' -f $count
$raw = $runs['unpaced|raw C#']
foreach ($v in 'NetProc (a)', 'NetProc (b)') {
    $x = $runs["unpaced|$v"]
    $ratio = $x.Rate / $raw.Rate
    $name = if ($v -eq 'NetProc (a)') { "7a $label x 64 B datagrams, Receive -AsByteStream loop (delivered/s)" }
    else { "7b $label x 64 B datagrams, counting filter + Wait loop (delivered/s)" }
    $isA = $v -eq 'NetProc (a)'
    Add-BenchResult $name (Format-Num $x.Rate 'N0') "$(Format-Num $raw.Rate 'N0') raw C#" (Format-Num $ratio 'N2') `
        $(if ($isA) { '>= 0.50' } else { '' }) $(if ($isA) { $ratio -ge 0.50 } else { $null }) `
        "loss $(Format-Num $x.Loss 'P1') vs $(Format-Num $raw.Loss 'P1') raw; sent at $(Format-Num ($x.Sent / $x.SendSeconds) 'N0')/s"
}
foreach ($mode in 'paced', 'slow') {
    $pace = if ($mode -eq 'paced') { $PacedRate } else { $SlowRate }
    foreach ($v in 'NetProc (a)', 'NetProc (b)') {
        $x = $runs["$mode|$v"]
        $r = $runs["$mode|raw C#"]
        Add-BenchResult "7$(if ($v -eq 'NetProc (a)') { 'a' } else { 'b' }) paced $(Format-Num $pace 'N0')/s: loss" (Format-Num $x.Loss 'P2') `
            "$(Format-Num $r.Loss 'P2') raw C#" '' '' $null "delivered $(Format-Num $x.Rate 'N0')/s of $($x.Sent); $($x.WindowDrops) window drops"
    }
}
Complete-Bench $ResultPath
