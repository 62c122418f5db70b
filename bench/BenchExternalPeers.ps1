# Shared by the benchmark scripts that use third-party peers (ab, wrk, redis-benchmark, curl, Emacs, socat): dot-source
# after BenchCommon.ps1. Starts peers with their output captured and under timeout(1), and installs a missing one with
# apt-get. A script may set $PeerTimeout (seconds) before; the default is 120.
if (-not (Get-Variable PeerTimeout -Scope Script -ErrorAction Ignore)) { $script:PeerTimeout = 120 }
$script:aptUpdated = $false

# Starts a program with its output captured; under timeout(1) when there is one, so it is killed after $TimeoutSeconds.
function Start-Peer([string[]] $Command, [int] $TimeoutSeconds = $PeerTimeout) {
    $line = if (Get-Command timeout -CommandType Application -ErrorAction SilentlyContinue) {
        @('timeout', '-k', '5', "$TimeoutSeconds") + $Command
    }
    else { $Command }
    $psi = [System.Diagnostics.ProcessStartInfo]::new($line[0])
    foreach ($a in @($line | Select-Object -Skip 1)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $psi.Environment['DEBIAN_FRONTEND'] = 'noninteractive'
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    [pscustomobject]@{
        Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync()
        Clock = [System.Diagnostics.Stopwatch]::StartNew(); Timeout = $TimeoutSeconds; Command = $Command -join ' '
    }
}

function Wait-Peer($Peer) {
    $p = $Peer.Process
    $killed = $false
    if (-not $p.WaitForExit(($Peer.Timeout + 15) * 1000)) { $p.Kill($true); $killed = $true }
    $p.WaitForExit()
    $seconds = $Peer.Clock.Elapsed.TotalSeconds
    $code = $p.ExitCode
    $p.Dispose()
    [pscustomobject]@{
        ExitCode = $code; Seconds = $seconds; Out = $Peer.Out.Result; Err = $Peer.Err.Result; Command = $Peer.Command
        # timeout(1) exits 124 when it stopped the command, 137 when it had to kill it.
        TimedOut = $killed -or $code -eq 124 -or $code -eq 137
    }
}

function Invoke-Peer([string[]] $Command, [int] $TimeoutSeconds = $PeerTimeout) { Wait-Peer (Start-Peer $Command $TimeoutSeconds) }

# True when $Command can be run, installing $Package with apt-get first if needed; says why not otherwise.
function Confirm-Peer([string] $Command, [string] $Package) {
    if (Get-Command $Command -CommandType Application -ErrorAction SilentlyContinue) { return $true }
    $sudo = if ((Invoke-Peer @('id', '-u') 10).Out.Trim() -eq '0') { @() } else { @('sudo', '-n') }
    if (-not (Get-Command apt-get -CommandType Application -ErrorAction SilentlyContinue) -or
        ($sudo.Count -and -not (Get-Command sudo -CommandType Application -ErrorAction SilentlyContinue))) {
        Write-Host "SKIPPED: $Command is not installed, and apt-get (as root) is not available to install $Package."
        return $false
    }
    Write-Host "Installing $Package for $Command (apt-get install -y -qq $Package) ..."
    $r = Invoke-Peer ($sudo + @('apt-get', 'install', '-y', '-qq', $Package)) 300
    if ($r.ExitCode -ne 0 -and -not $script:aptUpdated) {
        $script:aptUpdated = $true
        $null = Invoke-Peer ($sudo + @('apt-get', 'update', '-qq')) 300
        $r = Invoke-Peer ($sudo + @('apt-get', 'install', '-y', '-qq', $Package)) 300
    }
    if (Get-Command $Command -CommandType Application -ErrorAction SilentlyContinue) { return $true }
    $why = @(($r.Err + $r.Out) -split "`n" | Where-Object { $_.Trim() })
    Write-Host ("SKIPPED: $Command is not installed and apt-get could not install $Package (exit {0}{1})." -f $r.ExitCode,
        $(if ($why.Count) { ": $($why[-1].Trim())" } else { '' }))
    $false
}
