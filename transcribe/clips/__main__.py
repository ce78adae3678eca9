"""`python -m transcribe.clips build`: rebuild the clip library (needs espeak-ng and sox)."""

import sys

from transcribe.cliplib import main

sys.exit(main())
