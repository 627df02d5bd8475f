"""Exchange with systems we do not control: PFIF 1.4 and CSV/Excel person lists in, PFIF out."""
