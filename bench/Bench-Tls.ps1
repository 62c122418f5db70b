<#
.SYNOPSIS
    Benchmark: TLS. Bulk receive of 1 GiB (-Quick: 128 MiB) through TLS, and TLS handshakes per second a server accepts.
.DESCRIPTION
    Bulk: the sender is a separate pwsh process (C# TlsBulkSender, SslStream with a certificate made on the spot), so
    this process's CPU time is the receiver's alone. Variants, after warm-up transfers of 64 MiB until the JIT has
    settled (Invoke-WarmUp: at least 2 s, at most 30 s; the JIT's time during the measured runs is printed):
      raw SslStream   a synchronous SslStream.Read loop in C# (64 KiB buffer): the baseline
      NetProc         New-NetworkProcess -Tls, Receive-NetworkProcess -AsByteStream -Wait in a loop, summing .Length
    Handshakes: 4 client threads (C#, in this process) connect, negotiate TLS 1.3 and close, again and again, for a
    few seconds, against
      raw SslStream   a C# server negotiating each client on the thread pool (certificate context built once)
      NetProc         New-NetworkProcess -Server -Certificate, the session pumping with Wait-NetworkProcess
    Each variant runs in rotating order; medians, and ratios paired round by round. Targets: bulk >= 80% of raw,
    handshakes >= 50% of raw.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [string] $ResultPath,
    [int] $Runs = 5
)
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
$peersPath = Join-Path $PSScriptRoot 'BenchTlsPeers.cs'
if (-not ('NetProcBenchTls.TlsBulkSender' -as [type])) { Add-Type -Path $peersPath }

$size = if ($Quick) { 128MB } else { 1GB }
$warmup = 64MB
$handshakeSeconds = if ($Quick) { 1 } else { 3 }

function Get-Median([double[]] $Values) { @($Values | Sort-Object)[[math]::Floor(($Values.Count - 1) / 2)] }

# --- bulk receive --------------------------------------------------------------------------------------------------
$sender = Start-BenchSender $peersPath '[NetProcBenchTls.TlsBulkSender]::Serve([Console]::Out)'

$variants = @{
    'raw SslStream' = {
        param([long] $Bytes)
        $tls = [NetProcBenchTls.RawTlsReceiver]::Connect($script:port, $script:thumbprint, $Bytes)
        try { [NetProcBenchTls.RawTlsReceiver]::ReceiveAll($tls, 64KB) } finally { $tls.Dispose() }
    }
    'NetProc' = {
        param([long] $Bytes)
        $p = New-NetworkProcess -Name bulk -Host 127.0.0.1 -Service $script:port -Tls -ServerCertificateThumbprint $script:thumbprint -Encoding Byte
        try {
            Send-NetworkProcess -InputObject $p -Data ([BitConverter]::GetBytes([long]$Bytes))
            $total = [long]0
            while ($true) {
                $total += Measure-Chunks (Receive-NetworkProcess -InputObject $p -Wait -Timeout 1 -AsByteStream)
                if (-not $p.IsLive -and $p.BufferedBytes -eq 0) { break }
            }
            $total
        } finally { Remove-NetworkProcess -InputObject $p -ErrorAction SilentlyContinue }
    }
}

# One transfer, timed from the request to the last byte (the handshake included, as small against 1 GiB).
function Measure-Transfer([string] $Variant, [long] $Bytes) {
    [GC]::Collect()
    $cpu0 = [NetProcBench.Cpu]::Seconds()
    $jit0 = Get-JitSeconds
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $got = & $variants[$Variant] $Bytes
    $sw.Stop()
    $cpu = [NetProcBench.Cpu]::Seconds() - $cpu0
    $jit = (Get-JitSeconds) - $jit0
    $sent = Read-SenderLine $sender
    if ($sent -notmatch '^SENT (\d+) ' -or [long]$Matches[1] -ne $Bytes -or $got -ne $Bytes) { throw "$Variant : sender said '$sent', receiver read $got, expected $Bytes" }
    [pscustomobject]@{ MBps = $Bytes / $sw.Elapsed.TotalSeconds / 1e6; CpuPerGiB = $cpu / ($Bytes / 1GB); JitSeconds = $jit }
}

$bulkOrder = 'raw SslStream', 'NetProc'
$bulk = @{ 'raw SslStream' = @(); 'NetProc' = @() }
try {
    if ((Read-SenderLine $sender) -notmatch '^PORT (\d+) THUMBPRINT (\w+)$') { throw 'the sender did not say its port' }
    $script:port = [int]$Matches[1]
    $script:thumbprint = $Matches[2]
    $warm = Invoke-WarmUp { foreach ($v in $bulkOrder) { $null = Measure-Transfer $v $warmup } }
    foreach ($run in 1..$Runs) {
        $order = if ($run % 2) { $bulkOrder } else { @($bulkOrder[1], $bulkOrder[0]) }
        foreach ($v in $order) { $bulk[$v] += , (Measure-Transfer $v $size) }
    }
}
finally {
    try { ([NetProcBenchTls.RawTlsReceiver]::Connect($script:port, $script:thumbprint, 0)).Dispose() } catch { }
    if (-not $sender.WaitForExit(10000)) { $sender.Kill() }
}

# --- handshakes ----------------------------------------------------------------------------------------------------
$certificate = [NetProcBenchTls.Certificates]::SelfSigned()
$handshakeVariants = @{
    'raw SslStream' = {
        $server = [NetProcBenchTls.RawTlsServer]::new($certificate)
        try {
            $load = [NetProcBenchTls.HandshakeLoad]::RunAsync($server.Port, $certificate.Thumbprint, 4, $handshakeSeconds)
            $null = $load.Wait()
            $load.Result
        } finally { $server.Dispose() }
    }
    'NetProc' = {
        $script:accepted = 0
        $server = New-NetworkProcess -Name tls -Server -Service 0 -Backlog 512 -Certificate $certificate -Log { param($s, $c, $m) if ($m -like 'accept from*') { $script:accepted++ } }
        try {
            $load = [NetProcBenchTls.HandshakeLoad]::RunAsync($server.Service, $certificate.Thumbprint, 4, $handshakeSeconds)
            while (-not $load.IsCompleted) { $null = Wait-NetworkProcess -Timeout 0.1 }
            $load.Result
        } finally { Get-NetworkProcess | Remove-NetworkProcess -Abort }
    }
}
$handshakes = @{ 'raw SslStream' = @(); 'NetProc' = @() }
foreach ($v in $bulkOrder) { $null = & $handshakeVariants[$v] }
foreach ($run in 1..$Runs) {
    $order = if ($run % 2) { $bulkOrder } else { @($bulkOrder[1], $bulkOrder[0]) }
    foreach ($v in $order) { $handshakes[$v] += , ((& $handshakeVariants[$v]) / $handshakeSeconds) }
}

# --- report --------------------------------------------------------------------------------------------------------
Write-Host ''
Write-Host ("TLS bulk warm-up: {0} s, JIT {1} in its last window ({2:N3} s); JIT during the measured runs (s): raw SslStream {3}; NetProc {4}" -f
    (Format-Num $warm.Seconds 'N1'), $(if ($warm.Settled) { 'settled' } else { 'NOT settled' }), $warm.WindowJitSeconds,
    (($bulk['raw SslStream'] | ForEach-Object { Format-Num $_.JitSeconds 'N3' }) -join ', '), (($bulk['NetProc'] | ForEach-Object { Format-Num $_.JitSeconds 'N3' }) -join ', '))
Write-Host ("TLS bulk receive of {0} MiB, {1} run(s): MB/s raw SslStream {2}; NetProc {3}" -f ($size / 1MB), $Runs,
    (($bulk['raw SslStream'] | ForEach-Object { Format-Num $_.MBps 'N0' }) -join ', '), (($bulk['NetProc'] | ForEach-Object { Format-Num $_.MBps 'N0' }) -join ', '))
Write-Host ("TLS handshakes/s from 4 client threads, {0} s each, {1} run(s): raw SslStream {2}; NetProc {3}" -f $handshakeSeconds, $Runs,
    (($handshakes['raw SslStream'] | ForEach-Object { Format-Num $_ 'N0' }) -join ', '), (($handshakes['NetProc'] | ForEach-Object { Format-Num $_ 'N0' }) -join ', '))

$rawMBps = Get-Median @($bulk['raw SslStream'].MBps)
$netMBps = Get-Median @($bulk['NetProc'].MBps)
$bulkRatio = Get-Median @(for ($i = 0; $i -lt $Runs; $i++) { $bulk['NetProc'][$i].MBps / $bulk['raw SslStream'][$i].MBps })
$label = if ($Quick) { '128 MiB' } else { '1 GiB' }
Add-BenchResult "TLS bulk $label, Receive -AsByteStream loop (MB/s)" (Format-Num $netMBps 'N0') "$(Format-Num $rawMBps 'N0') raw SslStream" `
    (Format-Num $bulkRatio 'N2') '>= 0.80' ($bulkRatio -ge 0.80)
Add-BenchResult 'TLS bulk receiver CPU (s/GiB)' (Format-Num (Get-Median @($bulk['NetProc'].CpuPerGiB)) 'N3') "$(Format-Num (Get-Median @($bulk['raw SslStream'].CpuPerGiB)) 'N3') raw SslStream"
$handshakeRatio = Get-Median @(for ($i = 0; $i -lt $Runs; $i++) { $handshakes['NetProc'][$i] / $handshakes['raw SslStream'][$i] })
Add-BenchResult 'TLS handshakes accepted, 4 client threads (/s)' (Format-Num (Get-Median $handshakes['NetProc']) 'N0') "$(Format-Num (Get-Median $handshakes['raw SslStream']) 'N0') raw SslStream" `
    (Format-Num $handshakeRatio 'N2') '>= 0.50' ($handshakeRatio -ge 0.50)
Complete-Bench $ResultPath
