"""The committed clip library (WAV files + manifest.json). Code: `transcribe.cliplib`.

This folder is a package only so that `python -m transcribe.clips build` (the Makefile's
`make clips`) rebuilds it.
"""
