package org.cvtzoo.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/**
 * {@code bin/cvt}: the zoo's command line (CvT, ViT and PatchConvNet): predict, attention, finetune, bench, ... Every failure the user can cause (bad file, bad spec,
 * wrong shape) ends as one line {@code error: ...} on stderr and exit status 2; {@code --verbose}
 * adds the stack trace.
 */
@Command(name = "cvt", mixinStandardHelpOptions = true, version = "cvt 0.1.0",
        description = "Vision transformers of three families, CvT, ViT and PatchConvNet, on Deeplearning4j / SameDiff.",
        subcommands = {DemoCommand.class, PredictCommand.class, AttentionCommand.class, ExplainCommand.class, FinetuneCommand.class,
                ModelsCommand.class, BenchCommand.class, InfoCommand.class, ServeCommand.class},
        // the notebook launcher lives in cvt-notebook (with Jupyter's libraries): bin/cvt runs it from there
        footer = {"", "bin/cvt notebook [install] starts Jupyter on the example notebooks with the zoo's Java kernel "
                + "(module cvt-notebook; see: bin/cvt notebook --help)."})
public final class Main implements Runnable {
    public static final int EXIT_USER_ERROR = 2;

    /** Shared by every subcommand: {@code cvt predict --verbose ...} or {@code cvt --verbose predict ...}. */
    public static final class Common {
        @Option(names = "--verbose", description = "Print stack traces of errors.")
        boolean verbose;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        java.util.OptionalInt relaunched = BackendSelection.ensureUsableBackend(args);
        System.exit(relaunched.isPresent() ? relaunched.getAsInt() : run(args));
    }

    /** Runs the tool in-process and returns its exit status (used by tests too). */
    public static int run(String... args) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionStrategy(parsed -> {
            if (!trains(parsed)) org.cvtzoo.zoo.Nd4jTuning.forInference(); // measured on inference only
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            ProgressBar.endLine();
            PrintWriter err = commandLine.getErr();
            err.println("error: " + Errors.describe(ex));
            if (verbose) ex.printStackTrace(err);
            err.flush();
            return Errors.isUserError(ex) ? EXIT_USER_ERROR : 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage());
            err.println("(see: cvt " + ex.getCommandLine().getCommandName() + " --help)");
            err.flush();
            return EXIT_USER_ERROR;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) { // off-heap (ND4J) or heap: say what to change, not a trace
            ProgressBar.endLine();
            System.err.println("error: out of memory (" + e.getMessage() + "); use a smaller batch, or allow more with "
                    + "CVT_JAVA_OPTS (-Xmx..., -Dorg.bytedeco.javacpp.maxbytes=..., -Dorg.bytedeco.javacpp.maxphysicalbytes=...)");
            if (verbose) e.printStackTrace();
            return 1;
        }
    }

    /** Whether the command trains (finetune, demo, bench --train): ND4J's inference thread settings are left alone then. */
    static boolean trains(CommandLine.ParseResult parsed) {
        if (!parsed.hasSubcommand()) return false;
        CommandLine.ParseResult sub = parsed.subcommand();
        Object command = sub.commandSpec().userObject();
        return command instanceof FinetuneCommand || command instanceof DemoCommand
                || command instanceof BenchCommand && sub.hasMatchedOption("--train");
    }
}
