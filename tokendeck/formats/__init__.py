"""File formats: each module converts between one kind of file and interchange.Package."""
