package piiprobe.audit.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossCurveTest {
    @TempDir
    Path dir;

    private LossCurve read(String csv) throws IOException {
        Path file = dir.resolve(LossCurve.FILE);
        Files.writeString(file, csv);
        return LossCurve.read(file);
    }

    @Test
    void readsStepsLossesAndHeldOutLossesWhereMeasured() throws IOException {
        LossCurve curve = read("step,lr,loss,eval_loss\n1,0.001,9.5,\n2,0.001,8.25,8.5\n10,0.0005,4.0,\n");
        assertEquals(List.of(new LossCurve.Point(1, 9.5, Double.NaN), new LossCurve.Point(2, 8.25, 8.5),
                new LossCurve.Point(10, 4.0, Double.NaN)), curve.points());
        assertTrue(curve.hasEvalLoss());
        assertFalse(read("loss,step\n3.5,1\n").hasEvalLoss());
        assertEquals(List.of(), read("step,loss\n").points());
    }

    @Test
    void mistakesNameTheFileAndLine() {
        Path file = dir.resolve(LossCurve.FILE);
        assertEquals(file + ": the header names no \"loss\" column",
                assertThrows(UserError.class, () -> read("step,train_loss\n1,2\n")).getMessage());
        assertTrue(assertThrows(UserError.class, () -> read("step,loss\n1,2.5\n2,abc\n")).getMessage()
                .startsWith(file + ":3: not a number, or a column missing"));
        assertTrue(assertThrows(UserError.class, () -> read("step,loss\n1\n")).getMessage()
                .startsWith(file + ":2: not a number, or a column missing"));
        assertEquals(file + ":3: step 1 does not follow step 2",
                assertThrows(UserError.class, () -> read("step,loss\n2,2.5\n1,2.4\n")).getMessage());
        assertEquals(file + ":2: a loss is not a finite number (did the training diverge?)",
                assertThrows(UserError.class, () -> read("step,loss\n1,NaN\n")).getMessage());
    }
}
