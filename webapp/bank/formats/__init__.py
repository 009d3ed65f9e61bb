"""The file formats questions are imported from and exported to, each registered in `webapp.wiring`."""
