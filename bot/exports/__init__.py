"""File formats of the export table: CSV (``csv_file.to_csv``) and XLSX (``xlsx_file.to_xlsx``).

Each module turns a ``bot.domain.export.ExportTable`` into the bytes of a document the
bot can send; nothing here touches the database or Telegram.
"""
