#!/usr/bin/env bash
# Builds this user project against this checkout's cvt-zoo and runs a forward pass on the CPU line
# of the README (nd4j-native-platform); its dependency tree must hold one backend. With the CUDA
# line (nd4j-cuda-11.6-platform) the dependency tree must resolve, again with one backend (no
# build: its natives are 600 MB, and no GPU is needed to show that it resolves).
#
# The zoo's SNAPSHOT jars go into a private local repository under target/, never ~/.m2; that
# repository gets everything else from ~/.m2 (as a file:// repository) and then Maven Central.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$root/target/user-project
repo=$work/repository
mkdir -p "$work"
cat > "$work/settings.xml" <<XML
<settings>
  <profiles><profile><id>m2-cache</id>
    <repositories><repository><id>m2-cache</id><url>file://$HOME/.m2/repository</url></repository></repositories>
    <pluginRepositories><pluginRepository><id>m2-cache</id><url>file://$HOME/.m2/repository</url></pluginRepository></pluginRepositories>
  </profile></profiles>
  <activeProfiles><activeProfile>m2-cache</activeProfile></activeProfiles>
</settings>
XML
mvn_private() { mvn -B -q -s "$work/settings.xml" -Dmaven.repo.local="$repo" "$@"; }

echo "== cvt-parent, cvt-core, cvt-zoo into $repo"
mvn_private -f "$root/pom.xml" -pl cvt-zoo -am install -Dmaven.test.skip=true

backends() { grep -oE 'org\.nd4j:nd4j-(native|cuda-[0-9.]+)(-platform)?:jar' "$1" | sort -u; }

echo "== CPU: nd4j-native-platform"
mvn_private -f "$here/pom.xml" -Djavacpp.platform=linux-x86_64 package dependency:tree \
    -DoutputFile="$work/tree-cpu.txt" dependency:build-classpath -Dmdep.outputFile="$work/classpath-cpu.txt"
backends "$work/tree-cpu.txt"
if grep -q 'nd4j-cuda' "$work/tree-cpu.txt" || grep -q 'onednn' "$work/tree-cpu.txt"; then
    echo "FAIL: a second backend in the CPU project's tree"; exit 1
fi
java -cp "$here/target/classes:$(cat "$work/classpath-cpu.txt")" org.example.ForwardPass

echo "== CUDA: nd4j-cuda-11.6-platform (dependency tree only)"
mvn_private -f "$here/pom.xml" -P '!user-cpu,user-cuda' -Djavacpp.platform=linux-x86_64 dependency:tree \
    -DoutputFile="$work/tree-cuda.txt"
backends "$work/tree-cuda.txt"
if grep -qE 'nd4j-native(-platform)?:jar' "$work/tree-cuda.txt"; then
    echo "FAIL: nd4j-native in the CUDA project's tree"; exit 1
fi
grep -q 'nd4j-cuda-11.6:jar:linux-x86_64' "$work/tree-cuda.txt" || { echo "FAIL: no CUDA natives in the tree"; exit 1; }
echo "OK: one backend each; the CPU project ran a forward pass"
