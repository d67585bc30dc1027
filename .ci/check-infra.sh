#!/usr/bin/env bash
# Builds and lints every Bicep file under infra/ with the Bicep CLI that `dotnet restore` fetched
# from NuGet (a PackageDownload in tests/Provisioner.Tests), so it works offline and at one pinned
# version. `bicep lint` exits non-zero only on errors; here any diagnostic, warnings included,
# fails the check. See docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."

csproj=tests/Provisioner.Tests/Provisioner.Tests.csproj
version=$(sed -n 's/.*<PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="\[\([^]]*\)\]".*/\1/p' "$csproj")
[ -n "$version" ] || { echo "check-infra: no Azure.Bicep.CommandLine.linux-x64 PackageDownload in $csproj" >&2; exit 1; }
packages=${NUGET_PACKAGES:-$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')}
bicep="${packages%/}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
[ -f "$bicep" ] || { echo "check-infra: $bicep not found; run 'dotnet restore Provisioner.sln' first" >&2; exit 1; }
[ -x "$bicep" ] || chmod +x "$bicep"

out=artifacts/infra
rm -rf "$out"
mkdir -p "$out"
failed=0
# Every file under infra/, not only main.bicep: lint reports on the files it is given.
for step in build lint; do
  args=("$step" --pattern 'infra/**/*.bicep')
  [ "$step" = build ] && args+=(--outdir "$out")
  if ! diagnostics=$("$bicep" "${args[@]}" 2>&1) || [ -n "$diagnostics" ]; then
    echo "check-infra: bicep $step:" >&2
    printf '%s\n' "${diagnostics:-(failed without output)}" >&2
    failed=1
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "check-infra: the Bicep in infra/ has errors or warnings (see above)" >&2
  exit 1
fi
echo "check-infra: $(find infra -name '*.bicep' | wc -l) Bicep files build and lint clean (bicep $version); templates in $out"
