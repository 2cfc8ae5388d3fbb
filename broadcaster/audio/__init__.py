"""Audio preparation: probe, validate, loudness, assembly and the title card."""
