"""Operations: health, metrics and secrets kept out of logs."""
