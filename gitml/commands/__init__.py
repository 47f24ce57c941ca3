"""One module per verb; each exposes one public function returning a result value."""
