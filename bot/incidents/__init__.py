"""Major incidents reported up level by level: group complaints and CCTV 3·15 gala exposures."""
