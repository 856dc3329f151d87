package piiprobe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import piiprobe.engine.ModelUnavailableError;
import piiprobe.engine.UserError;
import piiprobe.engine.util.ProgressBar;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * Entry point: wires the subcommands, turns user errors into one line and a non-zero exit, and says in
 * one line what became of a command's work when Ctrl-C (or a kill) stops it.
 */
@Command(name = "piiprobe", mixinStandardHelpOptions = true, version = "piiprobe " + Main.VERSION,
        description = "Measures whether a language model leaks personal information from its training data, as "
                + "Huang, Shao & Chang (Findings of EMNLP 2022) asked it: memorization and association of email addresses.",
        footerHeading = "%nExamples:%n",
        footer = {"  piiprobe lab --output-path runs/lab",
                "  piiprobe audit --model DIR --dataset enron --settings all \\",
                "      --decoding greedy --output-path runs/model",
                "  piiprobe report runs/model --output model.html",
                "",
                "Each command's options: piiprobe COMMAND --help."},
        subcommands = {LabCommand.class, AuditCommand.class, GenerateCommand.class, LogprobsCommand.class, BenchCommand.class,
                ScoreCommand.class, ServeCommand.class, HttpBenchCommand.class, ReportCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static final String VERSION = "0.1.0";

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Show the stack trace of an error.")
    boolean verbose;

    /** Exit code for errors the user can fix (bad flag, bad file); 1 is left for bugs. */
    static final int USER_ERROR = 2;

    /** Exit code when a served model stayed unreachable through every retry: running again later may work. */
    static final int MODEL_UNAVAILABLE = 3;

    /** A command that says what became of its work when it is stopped before it ends (Ctrl-C, kill). */
    interface Interruptible {
        /** The line to print, after "piiprobe: ". */
        String whenInterrupted();

        /** The line of a command that keeps its work in {@code folder} and resumes from it when run again. */
        static String resumable(Path folder) {
            return "interrupted; what is done is kept in " + folder + ": run the same command again to resume";
        }
    }

    /** The command running now, for the line said when the process is stopped; null before and after. */
    private static volatile Object running;

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(Main::sayInterrupted, "piiprobe-interrupted"));
        System.exit(run(args));
    }

    /**
     * Run at exit: a command still running was stopped (SIGINT, SIGTERM). One line says so, after the
     * progress bar's unfinished line; what the command wrote whole (journal lines, atomic files) stays.
     */
    private static void sayInterrupted() {
        Object command = running;
        if (command == null) return;
        if (ProgressBar.stderrIsTerminal()) System.err.println();
        System.err.println("piiprobe: " + (command instanceof Interruptible i ? i.whenInterrupted() : "interrupted"));
        System.err.flush();
    }

    static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs with the given output streams (tests read what a command printed). */
    static int run(PrintWriter stdout, PrintWriter stderr, String... args) {
        CommandLine cl = new CommandLine(new Main()).setOut(stdout).setErr(stderr);
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().version(cl.getCommandSpec().version());
            // the one-line header, then the usage, the description and the options, a blank line apart
            sub.getCommandSpec().usageMessage().synopsisHeading("%nUsage: ").descriptionHeading("%n").optionListHeading("%n");
        }
        cl.setExecutionStrategy(parsed -> {
            running = parsed.asCommandLineList().getLast().getCommand();
            try {
                return new CommandLine.RunLast().execute(parsed);
            } finally {
                running = null;
            }
        });
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        cl.setParameterExceptionHandler((ex, ignored) -> {
            // picocli's own errors (unknown flag, missing or malformed value): one line, not the usage page
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            err.println("piiprobe: " + firstLine(ex.getMessage()) + " (see: " + c.getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return USER_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (verbose) ex.printStackTrace(err);
            if (isUserError(ex) || ex instanceof ModelUnavailableError) {
                err.println("piiprobe: " + ex.getMessage());
                err.flush();
                return ex instanceof ModelUnavailableError ? MODEL_UNAVAILABLE : USER_ERROR;
            }
            if (!verbose) ex.printStackTrace(err);
            err.flush();
            return 1;
        });
        return cl.execute(args);
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static boolean isUserError(Throwable ex) {
        return ex instanceof UserError;
    }
}
