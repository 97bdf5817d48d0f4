"""The network diagram: units coloured by activation, strongest contributions as edges."""
