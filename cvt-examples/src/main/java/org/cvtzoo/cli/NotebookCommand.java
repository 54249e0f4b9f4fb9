package org.cvtzoo.cli;

import org.cvtzoo.notebook.KernelSpec;
import org.cvtzoo.notebook.ZooKernel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "notebook", mixinStandardHelpOptions = true, subcommands = NotebookCommand.Install.class,
        description = {"Start Jupyter's classic notebook UI on the example notebooks (cvt-examples/notebooks), with the",
                "zoo's Java kernel registered first (needs: " + NotebookCommand.APT + ")."})
final class NotebookCommand implements Callable<Integer> {
    static final String APT = "apt-get install -y --no-install-recommends jupyter-notebook jupyter-client";

    @Mixin
    Main.Common common;

    @Option(names = "--dir", description = "Folder of notebooks to open (default: cvt-examples/notebooks).")
    Path dir;

    @Option(names = "--port", description = "Port of the notebook server (default: Jupyter's, 8888).")
    Integer port;

    @Option(names = "--ip", description = "Address to listen on (default: Jupyter's, localhost).")
    String ip;

    @Option(names = "--no-browser", description = "Do not open a browser.")
    boolean noBrowser;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path folder = dir != null ? dir : KernelSpec.examplesFolder();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new Errors.UserError("no notebook folder " + (dir != null ? dir : "cvt-examples/notebooks") + "; give --dir");
        }
        install(ZooKernel.NAME);
        List<String> cmd = new ArrayList<>(List.of(jupyter(), "notebook", "--notebook-dir=" + folder.toAbsolutePath()));
        if (port != null) cmd.add("--port=" + port);
        if (ip != null) cmd.add("--ip=" + ip);
        if (noBrowser) cmd.add("--no-browser");
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-root"); // Jupyter refuses root otherwise
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = {"Register the zoo's Java kernel with Jupyter (a kernelspec in the user's Jupyter folder, pointing",
                    "at the built jars: run bin/cvt again after changing the sources to rebuild them)."})
    static final class Install implements Callable<Integer> {
        @Mixin
        Main.Common common;

        @Option(names = "--name", defaultValue = ZooKernel.NAME, description = "Kernel name (default: ${DEFAULT-VALUE}).")
        String name;

        @Override
        public Integer call() throws IOException, InterruptedException {
            install(name);
            return 0;
        }
    }

    /** Writes the kernelspec and has {@code jupyter kernelspec install --user} put it in place. */
    static void install(String name) throws IOException, InterruptedException {
        Path tmp = Files.createTempDirectory("cvt-kernelspec");
        try {
            Path specDir = tmp.resolve(name);
            KernelSpec.write(specDir, KernelSpec.currentClassPath(), KernelSpec.currentJvmOptions());
            Process p = new ProcessBuilder(jupyter(), "kernelspec", "install", "--user", "--replace", "--name", name,
                    specDir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0) throw new Errors.UserError("jupyter kernelspec install failed: " + out);
            System.out.println("kernel '" + name + "' (" + KernelSpec.DISPLAY_NAME + ") registered: " + out
                    .replaceFirst("^\\[InstallKernelSpec] Installed kernelspec \\S+ in ", ""));
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Debian's jupyter (whose python has the Jupyter modules), else the first on PATH. */
    static String jupyter() {
        if (Files.isExecutable(Path.of("/usr/bin/jupyter"))) return "/usr/bin/jupyter";
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "jupyter"))) return Path.of(d, "jupyter").toString();
        }
        throw new Errors.UserError("Jupyter is not installed; on Debian: " + APT);
    }
}
