package piiprobe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import piiprobe.lab.Lab;
import piiprobe.lab.LabPreset;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code piiprobe lab}: the lab's whole job (corpus, tokenizer, GPT-2, audit), then its summary table. */
@Command(name = "lab", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes a corpus with planted addresses, trains a tokenizer and a GPT-2 on it, audits the model,",
                "and prints the summary table. Run again on the same folder, a killed run resumes."})
final class LabCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--output-path", required = true, paramLabel = "DIR", description = "Folder for everything the lab writes.")
    Path outputPath;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = LabPreset.DEFAULT,
            description = "ci, default or full (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the corpus, the initial weights and the training order (default: the preset's).")
    Long seed;

    @Override
    public Integer call() throws Exception {
        LabPreset p = LabPreset.named(preset);
        if (seed != null) p = p.withSeed(seed);
        Lab.Result r = Lab.run(p, outputPath, Main.VERSION, System.err);
        spec.commandLine().getOut().print(r.table());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
