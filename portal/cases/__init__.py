"""Cases (saker): what a citizen follows, with a reference, a status and a timeline."""
