package piiprobe.audit.report;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A training run's loss curve, for the report of a model the lab trained: {@value #FILE}, a CSV file
 * with a header naming {@code step} and {@code loss} (mean training cross-entropy in nats per token),
 * and optionally {@code eval_loss} (on held-out text; empty where not measured). Other columns are ignored.
 */
public record LossCurve(List<Point> points) {
    public static final String FILE = "loss.csv";

    /** One logged step; {@code evalLoss} is NaN where the step has none. */
    public record Point(long step, double loss, double evalLoss) {}

    public LossCurve {
        points = List.copyOf(points);
    }

    public boolean hasEvalLoss() {
        return points.stream().anyMatch(p -> !Double.isNaN(p.evalLoss()));
    }

    public static LossCurve read(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser csv = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
            List<String> header = csv.getHeaderNames();
            for (String column : List.of("step", "loss"))
                if (!header.contains(column)) throw new UserError(file + ": the header names no \"" + column + "\" column");
            boolean eval = header.contains("eval_loss");
            List<Point> points = new ArrayList<>();
            for (CSVRecord r : csv) {
                long line = r.getParser().getCurrentLineNumber();
                long step;
                double loss, evalLoss;
                try {  // a short row or a non-number: CSVRecord and the parsers both throw IllegalArgumentException
                    step = Long.parseLong(r.get("step").strip());
                    loss = Double.parseDouble(r.get("loss").strip());
                    String e = eval ? r.get("eval_loss").strip() : "";
                    evalLoss = e.isEmpty() ? Double.NaN : Double.parseDouble(e);
                } catch (IllegalArgumentException e) {
                    throw new UserError(file + ":" + line + ": not a number, or a column missing (" + e.getMessage() + ")");
                }
                if (!Double.isFinite(loss) || Double.isInfinite(evalLoss))
                    throw new UserError(file + ":" + line + ": a loss is not a finite number (did the training diverge?)");
                if (!points.isEmpty() && step <= points.getLast().step())
                    throw new UserError(file + ":" + line + ": step " + step + " does not follow step " + points.getLast().step());
                points.add(new Point(step, loss, evalLoss));
            }
            return new LossCurve(points);
        } catch (UncheckedIOException e) {
            throw new UserError(file + ": malformed CSV (" + e.getCause().getMessage() + ")");
        }
    }
}
