"""A fictional citizen portal with a few third parties, served locally on several host names (nothing from the
internet): what `make demo` crawls and the end-to-end tests assert on."""
