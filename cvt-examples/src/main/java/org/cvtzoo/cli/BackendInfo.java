package org.cvtzoo.cli;

import org.bytedeco.javacpp.Loader;
import org.cvtzoo.core.exec.OneDnn;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/** What ND4J is running on, read from the backend itself. */
record BackendInfo(String backend, boolean cpu, String blas, int threads, String onednn, String planOneDnn, String cudnn,
                   String nativeLibrary, String devices) {

    static BackendInfo current() {
        Environment env = Nd4j.getEnvironment();
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        String build = Nd4j.getBackend().buildInfo();
        String blas = p.getProperty("blas.vendor", "unknown") + (env.blasMajorVersion() > 0
                ? " " + env.blasMajorVersion() + "." + env.blasMinorVersion() + "." + env.blasPatchVersion() : "");
        String onednn = !env.isCPU() ? "n/a (GPU backend)"
                : build.contains("ONEDNN") || build.contains("MKLDNN")
                ? (env.helpersAllowed() ? "on" : "built in, but helpers are disabled") : "off (not in this native build)";
        String cudnn = env.isCPU() ? "n/a (CPU backend)"
                : build.toLowerCase().contains("cudnn") ? (env.helpersAllowed() ? "on" : "built in, but helpers are disabled") : "off";
        String lib = Loader.getLoadedLibraries().entrySet().stream()
                .filter(e -> e.getKey().contains("nd4j"))
                .map(Map.Entry::getValue).collect(Collectors.joining(", "));
        String devices = p.getProperty("cuda.devicesInformation", p.getProperty("cuda.availableDevices", ""));
        return new BackendInfo(Nd4j.getBackend().getClass().getSimpleName(), env.isCPU(), blas.trim(),
                env.maxMasterThreads(), onednn, OneDnn.status(), cudnn, lib, devices);
    }

    String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("backend:   ").append(cpu ? "CPU (nd4j-native)" : "CUDA (nd4j-cuda)").append(" - ").append(backend).append('\n');
        sb.append("blas:      ").append(blas).append('\n');
        sb.append("threads:   ").append(threads).append(" (OMP_NUM_THREADS / Nd4j.getEnvironment().setMaxThreads)").append('\n');
        sb.append("oneDNN:    ").append(onednn).append(" (inside ND4J's ops)").append('\n');
        sb.append("plans:     ").append(planOneDnn).append('\n');
        sb.append("cuDNN:     ").append(cudnn).append('\n');
        if (!devices.isEmpty()) sb.append("devices:   ").append(devices).append('\n');
        sb.append("natives:   ").append(nativeLibrary.isEmpty() ? "unknown" : nativeLibrary).append('\n');
        String why = System.getProperty(BackendSelection.REASON_PROPERTY);
        if (why != null) sb.append("why:       ").append(why).append('\n');
        return sb.toString().stripTrailing();
    }
}
