"""Reports: build the data once (data.py), render it many ways (pdf.py, tabular.py)."""
