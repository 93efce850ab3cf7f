"""Reading notes: finding the files, decoding them, front matter, and the CommonMark body."""
