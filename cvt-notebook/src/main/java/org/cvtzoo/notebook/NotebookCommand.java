package org.cvtzoo.notebook;

import org.cvtzoo.core.ZooException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code bin/cvt notebook [install]}: the kernel's launcher, run from this module's jar (bin/cvt
 * sends the {@code notebook} command here), so that the command-line tool does not carry Jupyter's
 * libraries. Errors as bin/cvt's: one line {@code error: ...}, exit status 2 for the user's.
 */
@Command(name = "cvt notebook", mixinStandardHelpOptions = true, version = "cvt 0.1.0", subcommands = NotebookCommand.Install.class,
        description = {"Start Jupyter's classic notebook UI on the example notebooks, with the zoo's Java kernel.",
                "Registers the kernel first and opens cvt-notebook/notebooks (needs: " + NotebookCommand.APT + ").",
                "Stopping this command (Ctrl-C, SIGTERM) stops the notebook server and its kernels."})
public final class NotebookCommand implements Callable<Integer> {
    static final String APT = "apt-get install -y --no-install-recommends jupyter-notebook jupyter-client";

    // run() reads it from the arguments (its handler needs it before picocli has parsed them); declared for picocli and the help
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--dir", description = "Folder of notebooks to open (default: cvt-notebook/notebooks).")
    Path dir;

    @Option(names = "--port", description = "Port of the notebook server (default: Jupyter's, 8888).")
    Integer port;

    @Option(names = "--ip", description = "Address to listen on (default: Jupyter's, localhost).")
    String ip;

    @Option(names = "--no-browser", description = "Do not open a browser.")
    boolean noBrowser;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the launcher and returns its exit status: 2 for what the user can fix (a
     * {@link ZooException}, a file-system error, a wrong option), 1 for anything else (a bug).
     */
    static int run(String... args) {
        boolean verbose = List.of(args).contains("--verbose");
        CommandLine cl = new CommandLine(new NotebookCommand());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            boolean user = ex instanceof ZooException || ex instanceof IOException;
            err.println("error: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage())
                    + (user ? "" : " (" + ex.getClass().getName() + "); this looks like a bug in cvt: please report it"
                    + " with the command line and the output of --verbose"));
            if (verbose) ex.printStackTrace(err);
            err.flush();
            return user ? 2 : 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage());
            err.println("(see: " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return 2;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path folder = dir != null ? dir : KernelSpec.examplesFolder();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new ZooException("no notebook folder " + (dir != null ? dir : "cvt-notebook/notebooks") + "; give --dir");
        }
        install(ZooKernel.NAME);
        List<String> cmd = new ArrayList<>(List.of(jupyter(), "notebook", "--notebook-dir=" + folder.toAbsolutePath()));
        if (port != null) cmd.add("--port=" + port);
        if (ip != null) cmd.add("--ip=" + ip);
        if (noBrowser) cmd.add("--no-browser");
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-root"); // Jupyter refuses root otherwise
        Process server = jupyterProcess(cmd).inheritIO().start();
        // Ctrl-C or SIGTERM ends this JVM through its shutdown hooks: the server (and so its kernels) goes with it
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server), "stop jupyter"));
        return server.waitFor();
    }

    /**
     * Stops the notebook server: SIGTERM, on which Jupyter shuts its kernels down and exits; then
     * whatever of its processes is left (a kernel that did not answer) is ended too.
     */
    static void stop(Process server) {
        List<ProcessHandle> family = new ArrayList<>(server.descendants().toList());
        family.add(server.toHandle());
        try {
            if (server.isAlive()) {
                server.destroy();
                if (!server.waitFor(20, TimeUnit.SECONDS)) server.destroyForcibly();
            }
            for (ProcessHandle p : family) p.destroy();
            for (ProcessHandle p : family) {
                try {
                    p.onExit().get(5, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    p.destroyForcibly();
                }
            }
        } catch (InterruptedException | ExecutionException e) {
            family.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * A Jupyter command with a quiet environment: Debian's Python 3.11 runs debugpy's check of
     * frozen modules at every start of a Jupyter tool, which prints four "Debugger warning" lines;
     * PYDEVD_DISABLE_FILE_VALIDATION is debugpy's switch for that check.
     */
    static ProcessBuilder jupyterProcess(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putIfAbsent("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        return pb;
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = {"Register the zoo's Java kernel with Jupyter.",
                    "A kernelspec in the user's Jupyter folder, pointing at the built jars: run bin/cvt again after",
                    "changing the sources to rebuild them."})
    static final class Install implements Callable<Integer> {
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
            Process p = jupyterProcess(List.of(jupyter(), "kernelspec", "install", "--user", "--replace", "--name", name,
                    specDir.toString())).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0) throw new ZooException("jupyter kernelspec install failed: " + out);
            // Jupyter's own lines ("Removing existing kernelspec in ...", "Installed kernelspec NAME in DIR"): the folder only
            Matcher installed = Pattern.compile("Installed kernelspec \\S+ in (.+)").matcher(out);
            System.out.println("kernel '" + name + "' (" + KernelSpec.DISPLAY_NAME + ") installed in "
                    + (installed.find() ? installed.group(1).strip() : out));
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
        throw new ZooException("Jupyter is not installed; on Debian: " + APT);
    }
}
