package piiprobe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import piiprobe.engine.UserError;
import piiprobe.lab.Lab;
import piiprobe.lab.LabPreset;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code piiprobe lab}: the lab's whole job (corpus, tokenizer, GPT-2, audit), then its summary table. */
@Command(name = "lab", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Trains a GPT-2 on text with planted addresses, then audits it.",
        description = "Writes email-like documents in which Enron people's addresses occur as often as in Enron (and "
                + "controls that never occur), trains a tokenizer and a GPT-2 on them, audits the model in the paper's "
                + "settings against that ground truth, and prints the summary table. Run again on the same folder, a "
                + "killed lab resumes (training from its last checkpoint, the audit from its journal).",
        footerHeading = "%nExamples:%n",
        footer = {"  piiprobe lab --output-path runs/lab                 (7 minutes on 2 cores)",
                "  piiprobe lab --output-path runs/ci --preset ci      (half a minute)"})
final class LabCommand implements Callable<Integer>, Main.Interruptible {
    @Spec
    CommandSpec spec;

    @Option(names = "--output-path", required = true, paramLabel = "DIR",
            description = "Folder for everything the lab writes: a new one, or that of an earlier lab run to resume.")
    Path outputPath;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = LabPreset.DEFAULT,
            description = "ci, default or full (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the corpus, the initial weights and the training order (default: the preset's).")
    Long seed;

    @Override
    public String whenInterrupted() {
        return Main.Interruptible.resumable(outputPath);
    }

    @Override
    public Integer call() throws Exception {
        if (outputPath.toString().isEmpty()) throw new UserError("--output-path is empty: give the lab's folder");
        LabPreset p = LabPreset.named(preset);
        if (seed != null) p = p.withSeed(seed);
        Lab.Result r = Lab.run(p, outputPath, Main.VERSION, System.err);
        spec.commandLine().getOut().print(r.table());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
