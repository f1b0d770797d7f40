"""Reading what participants type: crisis screening and the coach's style, rules plus trained models."""
