"""Learning events: recording, the vocabulary at its sites, xAPI and the export."""
