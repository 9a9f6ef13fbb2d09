"""File formats of the export table: CSV (``csv_file.to_csv``) and XLSX (``xlsx_file.to_xlsx``).

Each module turns the plain tables of ``bot.results.export`` (an ``ExportTable``, an
``ExportWorkbook`` of them) into the bytes of a document the bot can send; nothing here
touches the database or Telegram, and nothing here words anything: the tables come
worded from ``bot.rendering.export_content``.
"""
