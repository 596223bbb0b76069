"""The patron's insight page ("innsyn") on the registry's public HTTPS site: see, download, ask for deletion."""
