package piiprobe.lab;

import org.junit.jupiter.api.Test;
import piiprobe.audit.probe.ContextProbe;
import piiprobe.audit.probe.Settings;
import piiprobe.engine.UserError;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabPresetTest {
    @Test
    void findsPresetsByNameAndNamesThemAllWhenAskedForAnUnknownOne() {
        assertEquals("default", LabPreset.named(LabPreset.DEFAULT).name());
        assertTrue(LabPreset.names().containsAll(java.util.List.of("ci", "default", "full")));
        UserError e = assertThrows(UserError.class, () -> LabPreset.named("huge"));
        assertEquals("unknown preset \"huge\": choose one of ci, default, full", e.getMessage());
    }

    @Test
    void everyPresetsModelFitsItsTokenizerTrainingAndPrompts() {
        for (String name : LabPreset.names()) {
            LabPreset p = LabPreset.named(name);
            assertEquals(p.vocabSize(), p.model().vocabSize(), name);
            assertEquals(p.model().positions(), p.training().seq(), name + " trains on every position it has");
            for (String setting : p.settings())
                if (Settings.parseOne(setting) instanceof ContextProbe c)
                    assertTrue(c.k() + 100 <= p.model().positions(), name + ": " + setting + " plus 100 new tokens fit");
        }
        assertTrue(LabPreset.named(LabPreset.DEFAULT).settings().containsAll(List.of("context-200", "five-shot", "five-shot-non-domain")),
                "the default preset runs every setting of the paper");
    }

    @Test
    void aSeedChangesOnlyTheSeed() {
        LabPreset p = LabPreset.named("ci"), q = p.withSeed(7);
        assertEquals(7, q.corpus().seed());
        assertEquals(7, q.training().seed());
        assertEquals(p.training().steps(), q.training().steps());
        assertEquals(p.model(), q.model());
        assertEquals(p.settings(), q.settings());
        assertEquals(p.corpus().people(), q.corpus().people());
        assertEquals(p.corpus().frequencyCap(), q.corpus().frequencyCap());
        assertEquals(p.vocabSize(), q.vocabSize());
    }
}
