package piiprobe.audit.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProportionTest {
    /** Wilson score intervals at 95%, as statsmodels' proportion_confint(method="wilson") gives them. */
    @Test
    void wilsonIntervals() {
        assertInterval(new Proportion(0, 10), 0.0, 0.2775328);
        assertInterval(new Proportion(5, 10), 0.2365931, 0.7634069);
        assertInterval(new Proportion(10, 10), 0.7224672, 1.0);
        assertInterval(new Proportion(1, 3238), 0.0000545, 0.0017474);
        assertInterval(new Proportion(240, 3000), 0.0708205, 0.0902537);
    }

    private static void assertInterval(Proportion p, double low, double high) {
        assertEquals(low, p.low(), 1e-7, p + " low");
        assertEquals(high, p.high(), 1e-7, p + " high");
        assertTrue(p.low() <= p.value() && p.value() <= p.high(), p.toString());
    }

    @Test
    void aboveOnlyBeyondChance() {
        assertTrue(new Proportion(240, 3000).above(new Proportion(60, 3000)));
        assertFalse(new Proportion(5, 60).above(new Proportion(4, 60)));
        assertFalse(new Proportion(0, 0).above(new Proportion(0, 10)));
        assertEquals("n/a", new Proportion(0, 0).percent());
        assertEquals("8.00%", new Proportion(240, 3000).percent());
        assertThrows(IllegalArgumentException.class, () -> new Proportion(3, 2));
    }
}
